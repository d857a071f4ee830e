Attribute VB_Name = "SalesPlanSetup"
' Start-up work of the SalesPlan add-in, called from Workbook_Open:
' * RegisterFunctions describes every Python UDF (description, category,
'   argument help) with Application.MacroOptions - on Windows only, the one
'   platform where xlwings UDFs exist;
' * CheckXlwings warns once when the Python the add-in runs has another
'   xlwings than the one this add-in was built for.
'
' The lines between the GENERATED markers are written at build time by
' salesplan.addin.build: the xlwings version, the user messages and the UDF
' descriptions. Text is ASCII here: other characters are spelled with ChrW()
' so the VBA source stays ASCII-only.
Option Explicit

' BEGIN GENERATED CONSTANTS
' END GENERATED CONSTANTS

Public Sub RegisterFunctions()
#If Mac Then
    ' xlwings UDFs are a Windows feature: nothing to describe on a Mac.
#Else
    ' A failure to describe one function must not stop the add-in loading.
    On Error Resume Next
    ' BEGIN GENERATED CALLS
    ' END GENERATED CALLS
#End If
End Sub

' A user message, with {1}, {2}, {3} replaced by the arguments.
Public Function Message(ByVal key As String, Optional ByVal a1 As String = "", _
                        Optional ByVal a2 As String = "", Optional ByVal a3 As String = "") As String
    Dim s As String
    Select Case key
    ' BEGIN GENERATED MESSAGES
    ' END GENERATED MESSAGES
    End Select
    Message = Replace(Replace(Replace(s, "{1}", a1), "{2}", a2), "{3}", a3)
End Function

' Windows: xlwings loads xlwings64-<version>.dll (xlwings32- in 32-bit Excel)
' from the interpreter's folder or its parent. When the file for the version
' this add-in was built for is not there, the functions cannot work: say so,
' and which version the Python has instead. Never stops the add-in loading.
Public Sub CheckXlwings()
#If Mac Then
    ' The AppleScript of the matching version is checked when a button runs.
#Else
    Dim interpreter As String, folder As String, dllName As String, found As String
    On Error GoTo Done
    interpreter = xlwings.GetConfig("INTERPRETER_WIN", "")
    If interpreter = "" Then interpreter = xlwings.GetConfig("INTERPRETER", "")
    If InStr(interpreter, "\") = 0 Then Exit Sub  ' "python" on PATH: nothing to look at
    #If Win64 Then
        dllName = "xlwings64-"
    #Else
        dllName = "xlwings32-"
    #End If
    folder = xlwings.ParentFolder(interpreter)
    If Len(Dir(folder & "\" & dllName & BUILT_FOR_XLWINGS & ".dll")) > 0 Then Exit Sub
    If Len(Dir(xlwings.ParentFolder(folder) & "\" & dllName & BUILT_FOR_XLWINGS & ".dll")) > 0 Then Exit Sub
    found = Dir(folder & "\" & dllName & "*.dll")
    If Len(found) = 0 Then found = Dir(xlwings.ParentFolder(folder) & "\" & dllName & "*.dll")
    If Len(found) = 0 Then
        found = "?"
    Else
        found = Mid$(found, Len(dllName) + 1, Len(found) - Len(dllName) - 4)
    End If
    MsgBox Message("xlwings_mismatch", BUILT_FOR_XLWINGS, found, interpreter), vbExclamation, "SalesPlan"
Done:
#End If
End Sub

Private Function MacroName(ByVal functionName As String) As String
    MacroName = "'" & ThisWorkbook.Name & "'!" & functionName
End Function

' BEGIN GENERATED PROCEDURES
' END GENERATED PROCEDURES
