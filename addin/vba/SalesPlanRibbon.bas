Attribute VB_Name = "SalesPlanRibbon"
' Ribbon callbacks of the SalesPlan add-in.
'
' Every button in customUI.xml has onAction="SalesPlanRibbon.OnAction" and a
' tag naming a Python macro registered in salesplan.macros (see
' macros/registry.py). Adding a button therefore changes only the ribbon XML
' and Python, never this module.
'
' No error may reach the VBA debugger: a click without a workbook gets a
' message, and any run-time error (e.g. xlwings' script or interpreter not
' found) becomes a message box that says what to do.
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    Dim actionTag As String
    On Error GoTo Failed
    actionTag = control.Tag
    If Not IsSafeTag(actionTag) Then
        MsgBox "This button has no valid action tag: '" & actionTag & "'.", _
            vbCritical, "SalesPlan"
        Exit Sub
    End If
    ' xlwings passes the active workbook to Python; with none open it would fail (error 91).
    If ActiveWorkbook Is Nothing Then
        MsgBox SalesPlanSetup.Message("no_workbook"), vbExclamation, "SalesPlan"
        Exit Sub
    End If
    ' salesplan.addin.runtime.run compares this add-in's xlwings version with the
    ' Python's, then runs the macro, which shows engine errors in a message box itself.
    RunPython "import salesplan.addin.runtime as r; r.run('" & actionTag & "', '" & _
        SalesPlanSetup.BUILT_FOR_XLWINGS & "')"
    Exit Sub
Failed:
    MsgBox SalesPlanSetup.Message("action_failed", actionTag, CStr(Err.Number), Err.Description), _
        vbCritical, "SalesPlan"
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
