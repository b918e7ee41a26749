Attribute VB_Name = "RelanceRibbon"
' The Relance ribbon tab (customUI14.xml): every button calls OnRelanceButton,
' which hands the button's tag to Python (addin.ribbon.run). Python catches its
' own errors and shows them in French with the path of its log file.
'
' What this module can and cannot catch: RunPython (xlwings) does not raise to
' VBA when Python fails to start. A missing interpreter gets xlwings' own English
' box; a Python without Relance installed gets an English traceback
' (ModuleNotFoundError: No module named 'addin'). So, before RunPython, this
' module checks what it can check itself, each with its own French message:
' that a workbook is active (not the case in Protected View: the buttons would
' act on nothing), and that the interpreter named in relance.conf exists.
' The Failed handler only reports an error raised inside VBA itself.
'
' This file is kept ASCII: accented letters are built with ChrW so the module
' reads the same whatever the code page of the machine that imports it.
Option Explicit

Public Sub OnRelanceButton(control As IRibbonControl)
    Dim command As String, files As String
    On Error GoTo Failed
    If Not ReadyForPython() Then Exit Sub
    command = "import addin.ribbon; addin.ribbon.run('" & control.Tag & "'"
    If control.Tag = "import" Then
        files = ChosenFiles()
        If files = "" Then Exit Sub ' Cancel in the file dialog: nothing to import
        command = command & ", paths=[" & files & "]"
    End If
    RunPython command & ")"
    Exit Sub
Failed:
    MsgBox "Relance n'a pas pu lancer Python (bouton " & control.Tag & ")." & vbNewLine & vbNewLine & _
        Err.Description & vbNewLine & vbNewLine & _
        "V" & ChrW(233) & "rifiez l'interpr" & ChrW(233) & "teur Python dans la feuille relance.conf du compl" & ChrW(233) & "ment " & _
        "(Interpreter_Win ou Interpreter_Mac), ou relancez la commande : relance install-addin", _
        vbCritical, "Relance"
End Sub

' True when RunPython can be called: a workbook is active and the configured
' interpreter exists. Otherwise tells the user, in French, what to do.
Private Function ReadyForPython() As Boolean
    Dim interpreter As String
    If ActiveWorkbook Is Nothing Then
        MsgBox "Aucun classeur actif : Relance ne sait pas sur quel classeur travailler." & vbNewLine & vbNewLine & _
            "Ouvrez votre registre de factures (s'il s'ouvre en Mode prot" & ChrW(233) & "g" & ChrW(233) & ", cliquez sur " & _
            ChrW(171) & " Activer la modification " & ChrW(187) & "), cliquez dans une de ses feuilles puis recommencez.", _
            vbExclamation, "Relance"
        Exit Function
    End If
    #If Mac Then
        interpreter = GetConfig("INTERPRETER_MAC", "")
    #Else
        interpreter = GetConfig("INTERPRETER_WIN", "")
    #End If
    If interpreter = "" Then
        MsgBox "Le compl" & ChrW(233) & "ment Relance ne sait pas quel Python lancer : la ligne " & _
            "Interpreter_Win (Windows) ou Interpreter_Mac (Mac) de sa feuille relance.conf est vide." & vbNewLine & vbNewLine & _
            "Quittez Excel et lancez la commande : relance install-addin", vbCritical, "Relance"
        Exit Function
    End If
    If InStr(interpreter, "\") > 0 Or InStr(interpreter, "/") > 0 Then
        If Not FileExists(interpreter) Then
            MsgBox "Python est introuvable : " & interpreter & vbNewLine & vbNewLine & _
                "Cet environnement a " & ChrW(233) & "t" & ChrW(233) & " d" & ChrW(233) & "plac" & ChrW(233) & " ou supprim" & ChrW(233) & ". " & _
                "Quittez Excel et relancez, depuis l'environnement o" & ChrW(249) & " Relance est install" & ChrW(233) & ", " & _
                "la commande : relance install-addin", vbCritical, "Relance"
            Exit Function
        End If
    End If
    ReadyForPython = True
End Function

' The files chosen in Excel's own file dialog, as Python string literals
' separated by commas; "" when the user cancels.
Private Function ChosenFiles() As String
    Dim chosen As Variant, i As Long, path As String, result As String
    #If Mac Then
        ' Excel for Mac ignores Windows file filters: every file can be chosen.
        chosen = Application.GetOpenFilename(MultiSelect:=True)
    #Else
        chosen = Application.GetOpenFilename( _
            FileFilter:="Relev" & ChrW(233) & "s, factures, FEC (*.xml;*.ofx;*.qfx;*.csv;*.txt;*.pdf;*.120;*.dat)," & _
                "*.xml;*.ofx;*.qfx;*.csv;*.txt;*.pdf;*.120;*.dat,Tous les fichiers (*.*),*.*", _
            Title:="Relance : fichiers " & ChrW(224) & " importer", MultiSelect:=True)
    #End If
    If Not IsArray(chosen) Then Exit Function ' Cancel returns False
    For i = LBound(chosen) To UBound(chosen)
        path = CStr(chosen(i))
        #If Mac Then
            If Left$(path, 1) <> "/" Then path = ToPosixPath(path) ' an old-style "Disk:Folder:file" path
        #End If
        If result <> "" Then result = result & ", "
        result = result & PythonText(path)
    Next i
    ChosenFiles = result
End Function

' A Python string literal holding s. Every character outside printable ASCII,
' and the quote and the backslash, is written \uXXXX (UTF-16 code units, which
' Python joins back), so the command reaches Python intact whatever the code page.
Private Function PythonText(ByVal s As String) As String
    Dim i As Long, code As Long, result As String
    result = "'"
    For i = 1 To Len(s)
        code = AscW(Mid$(s, i, 1)) And &HFFFF&
        If code >= 32 And code < 127 And code <> 39 And code <> 92 Then
            result = result & Mid$(s, i, 1)
        Else
            result = result & "\u" & Right$("000" & Hex$(code), 4)
        End If
    Next i
    PythonText = result & "'"
End Function

' Makes the worksheet functions of addin.udfs (=due_date, =late_interest...)
' available in every workbook. Windows only (xlwings UDFs); needs "Trust access
' to the VBA project object model". Run it once from the VBA editor (F5).
Public Sub ImportRelanceFunctions()
    ImportPythonUDFsToAddin
End Sub
