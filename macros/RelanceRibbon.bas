Attribute VB_Name = "RelanceRibbon"
' The Relance ribbon tab (customUI14.xml): every button calls OnRelanceButton,
' which hands the button's tag to Python (addin.ribbon.run). Python catches its
' own errors and shows them in French with the path of its log file; the
' handler below only covers failures before Python runs (no interpreter,
' xlwings missing), which xlwings would otherwise report in English or not at all.
' This file is kept ASCII: accented letters are built with ChrW so the module
' reads the same whatever the code page of the machine that imports it.
Option Explicit

Public Sub OnRelanceButton(control As IRibbonControl)
    On Error GoTo Failed
    RunPython "import addin.ribbon; addin.ribbon.run('" & control.Tag & "')"
    Exit Sub
Failed:
    MsgBox "Relance n'a pas pu d" & ChrW(233) & "marrer Python (bouton " & control.Tag & ")." & vbNewLine & vbNewLine & _
        Err.Description & vbNewLine & vbNewLine & _
        "V" & ChrW(233) & "rifiez l'interpr" & ChrW(233) & "teur Python dans la feuille relance.conf du compl" & ChrW(233) & "ment " & _
        "(Interpreter_Win ou Interpreter_Mac), ou relancez la commande : relance install-addin", _
        vbCritical, "Relance"
End Sub

' Makes the worksheet functions of addin.udfs (=due_date, =late_interest...)
' available in every workbook. Windows only (xlwings UDFs); needs "Trust access
' to the VBA project object model". Run it once from the VBA editor (F5).
Public Sub ImportRelanceFunctions()
    ImportPythonUDFsToAddin
End Sub
