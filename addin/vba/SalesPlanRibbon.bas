Attribute VB_Name = "SalesPlanRibbon"
' Ribbon callbacks of the SalesPlan add-in.
'
' Every button in customUI.xml has onAction="SalesPlanRibbon.OnAction" and a
' tag naming a Python macro registered in salesplan.macros (see
' macros/registry.py). Adding a button therefore changes only the ribbon XML
' and Python, never this module.
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    Dim actionTag As String
    actionTag = control.Tag
    If Not IsSafeTag(actionTag) Then
        MsgBox "This button has no valid action tag: '" & actionTag & "'.", _
            vbCritical, "SalesPlan"
        Exit Sub
    End If
    ' salesplan.macros.run shows engine errors in a message box itself.
    RunPython "import salesplan.macros; salesplan.macros.run('" & actionTag & "')"
End Sub

' Tags are Python identifiers in lower case: letters, digits, underscores.
Private Function IsSafeTag(ByVal actionTag As String) As Boolean
    Dim i As Long
    Dim ch As String
    IsSafeTag = False
    If Len(actionTag) = 0 Or Len(actionTag) > 64 Then Exit Function
    For i = 1 To Len(actionTag)
        ch = Mid$(actionTag, i, 1)
        If Not (ch Like "[a-z0-9_]") Then Exit Function
    Next i
    IsSafeTag = True
End Function
