@echo off
rem wincri CNI plugin launcher for Windows (stdin and the CNI_* environment pass through).
node "%~dp0..\..\dist\cni\plugin\main.js" %*
exit /b %ERRORLEVEL%
