@echo off
rem fixlevel evidence kit: collect what fixlevel reads from one Exchange 5.5 server.
rem
rem   collect.cmd OUT [DRIVE ...]
rem
rem Writes OUT\<computer name>\ in the layout `auditor scan` reads:
rem   X$\exchsrvr\bin\   the thirteen MTA files of Q197378, from X:\exchsrvr\bin of each drive
rem   registry\services.reg   regedit /e of HKLM\SYSTEM\CurrentControlSet\Services
rem   ipconfig.txt       ipconfig /all, for the human reader
rem   collect.log        what was done and what failed
rem DRIVE: the letters to search (C D ...); all of C to Z by default.
rem It writes nowhere but OUT, and refuses an OUT that already holds this server.
rem Exit code 0 when everything the audit needs was copied, else 1 (collect.log says why).
rem
rem Only Windows NT 4.0 cmd syntax: no delayed expansion, no %~1, no EXIT /B, no reg.exe.
rem The exit code is the errorlevel of the last command, FIND, as NT 4.0's EXIT takes none:
rem 0 when it finds "result: complete" in collect.log, else 1 (NUL holds nothing to find).
rem No pipes: some cmd.exe implementations make them with files in %TEMP%, outside OUT.

rem SETLOCAL keeps the KIT_ variables from the caller's console; the batch's end undoes it.
setlocal
set KIT_FAILED=
set KIT_DRIVES=
if [%1]==[] goto usage
set KIT_OUT=%~f1
if "%KIT_OUT%"=="" goto usage
set KIT_DIR=%KIT_OUT%\%COMPUTERNAME%
set KIT_LOG=%KIT_OUT%\%COMPUTERNAME%\collect.log

:drive_args
shift
if [%1]==[] goto drive_args_done
set KIT_DRIVES=%KIT_DRIVES% %1
goto drive_args
:drive_args_done
if "%KIT_DRIVES%"=="" set KIT_DRIVES=C D E F G H I J K L M N O P Q R S T U V W X Y Z

if exist "%KIT_DIR%" goto already_there
md "%KIT_DIR%\registry"
if not exist "%KIT_DIR%\registry" goto cannot_write
> "%KIT_LOG%" echo fixlevel collect.cmd 1
if not exist "%KIT_LOG%" goto cannot_write
>>"%KIT_LOG%" echo computer: %COMPUTERNAME%
>>"%KIT_LOG%" echo output: %KIT_DIR%
>>"%KIT_LOG%" echo drives searched: %KIT_DRIVES%
>>"%KIT_LOG%" ver
>>"%KIT_LOG%" date /t
>>"%KIT_LOG%" time /t

for %%D in (%KIT_DRIVES%) do call :drive %%D
for %%F in (Ems_rid.dll Emsmta.exe Mtacheck.exe Mtamsg.dll X400om.dll X400omv1.dll Dbserver.sch Dcprods.cat Info4log.cfg Infodlog.cfg Infollog.cfg Infotlog.cfg P2.xv2) do call :found %%F

regedit /e "%KIT_DIR%\registry\services.reg" "HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"
rem Only its presence is checked here (NT 4.0's cmd cannot tell a file's size); the audit
rem reads its content, and an export it cannot read leaves the server incomplete.
if not exist "%KIT_DIR%\registry\services.reg" goto registry_failed
>>"%KIT_LOG%" echo exported: HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services to registry\services.reg
goto registry_done
:registry_failed
set KIT_FAILED=1
>>"%KIT_LOG%" echo FAILED: regedit /e of HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services: no export written
:registry_done

ipconfig /all > "%KIT_DIR%\ipconfig.txt"
if errorlevel 1 >>"%KIT_LOG%" echo warning: ipconfig /all failed; ipconfig.txt may be empty
if not errorlevel 1 >>"%KIT_LOG%" echo written: ipconfig.txt

>>"%KIT_LOG%" date /t
>>"%KIT_LOG%" time /t
if "%KIT_FAILED%"=="1" goto incomplete
>>"%KIT_LOG%" echo result: complete
type "%KIT_LOG%"
find "result: complete" "%KIT_LOG%" > nul
goto :eof

:incomplete
>>"%KIT_LOG%" echo result: INCOMPLETE, see the FAILED lines above
type "%KIT_LOG%"
find "result: complete" nul > nul
goto :eof

:usage
echo usage: collect.cmd OUT [DRIVE ...]
echo Writes OUT\%COMPUTERNAME%\ for `auditor scan OUT`; see the comments at its top.
find "result: complete" nul > nul
goto :eof

:already_there
echo collect.cmd: %KIT_DIR% already exists; move it away or name another OUT.
echo Nothing was written: old and new evidence must not mix.
find "result: complete" nul > nul
goto :eof

:cannot_write
echo collect.cmd: cannot write to %KIT_DIR%; nothing was collected.
find "result: complete" nul > nul
goto :eof


rem ---- one drive: %1 is its letter ----
:drive
if not exist "%1:\exchsrvr\bin\*" goto :eof
>>"%KIT_LOG%" echo found: %1:\exchsrvr\bin
md "%KIT_DIR%\%1$\exchsrvr\bin"
for %%F in (Ems_rid.dll Emsmta.exe Mtacheck.exe Mtamsg.dll X400om.dll X400omv1.dll Dbserver.sch Dcprods.cat Info4log.cfg Infodlog.cfg Infollog.cfg Infotlog.cfg P2.xv2) do call :file %1 %%F
goto :eof

rem ---- one file: %1 the drive letter, %2 the file name ----
:file
if not exist "%1:\exchsrvr\bin\%2" goto absent
xcopy "%1:\exchsrvr\bin\%2" "%KIT_DIR%\%1$\exchsrvr\bin\" > nul
if errorlevel 1 goto copy_failed
if not exist "%KIT_DIR%\%1$\exchsrvr\bin\%2" goto copy_failed
set KIT_HAVE_%2=1
>>"%KIT_LOG%" echo copied: %1:\exchsrvr\bin\%2
goto :eof
:absent
>>"%KIT_LOG%" echo absent: %1:\exchsrvr\bin\%2
goto :eof
:copy_failed
set KIT_FAILED=1
>>"%KIT_LOG%" echo FAILED: could not copy %1:\exchsrvr\bin\%2
goto :eof

rem ---- after every drive: %1 a file the audit needs ----
:found
if defined KIT_HAVE_%1 goto :eof
set KIT_FAILED=1
>>"%KIT_LOG%" echo FAILED: %1 found on no drive searched
goto :eof
