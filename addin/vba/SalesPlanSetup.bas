Attribute VB_Name = "SalesPlanSetup"
' Registers the description, category and argument help of every Python UDF
' of the add-in with Application.MacroOptions; called from Workbook_Open.
'
' The lines between the GENERATED markers are written at build time by
' salesplan.addin.build from the UDF module's xlwings metadata (@xw.func,
' @xw.arg(doc=...), docstrings). Text is ASCII here: other characters are
' spelled with ChrW() so the VBA source stays ASCII-only.
Option Explicit

Public Sub RegisterFunctions()
    ' A failure to describe one function must not stop the add-in loading.
    On Error Resume Next
    ' BEGIN GENERATED CALLS
    ' END GENERATED CALLS
End Sub

Private Function MacroName(ByVal functionName As String) As String
    MacroName = "'" & ThisWorkbook.Name & "'!" & functionName
End Function

' BEGIN GENERATED PROCEDURES
' END GENERATED PROCEDURES
