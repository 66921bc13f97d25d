; Inno Setup script for Windows: wraps the PyInstaller one-folder build (dist\xiaonao).
; Build on Windows:  packaging\build.sh (or the pyinstaller command in it), then
;   iscc packaging\xiaonao.iss
#define AppName "Xiaonao Command Cockpit"
#define AppVersion "0.1.0"

[Setup]
AppId={{6F5B2C1E-6A3D-4E43-9B1E-2B7C1F0A9D11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Xiaonao
DefaultDirName={autopf}\Xiaonao
DefaultGroupName=Xiaonao
OutputBaseFilename=xiaonao-setup-{#AppVersion}
SetupIconFile=icons\xiaonao.ico
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "..\dist\xiaonao\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Xiaonao Cockpit"; Filename: "{app}\xiaonao.exe"
Name: "{group}\Xiaonao Video Wall"; Filename: "{app}\xiaonao.exe"; Parameters: "--wall"
Name: "{autodesktop}\Xiaonao Cockpit"; Filename: "{app}\xiaonao.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
Filename: "{app}\xiaonao.exe"; Description: "{cm:LaunchProgram,Xiaonao}"; Flags: nowait postinstall skipifsilent
