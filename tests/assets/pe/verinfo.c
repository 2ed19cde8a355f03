/* Print each file's version as the Windows API reports it (run under Wine by make_pe.py):
   GetFileVersionInfoSizeW, GetFileVersionInfoW, then VerQueryValueW(L"\\"). */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv) {
  for (int i = 1; i < argc; i++) {
    DWORD handle = 0, size = GetFileVersionInfoSizeW(argv[i], &handle);
    if (!size) {
      wprintf(L"%ls\terror %lu\n", argv[i], GetLastError());
      continue;
    }
    BYTE *data = HeapAlloc(GetProcessHeap(), 0, size);
    VS_FIXEDFILEINFO *fixed = NULL;
    UINT length = 0;
    if (!GetFileVersionInfoW(argv[i], 0, size, data) ||
        !VerQueryValueW(data, L"\\", (void **)&fixed, &length) || length < sizeof(*fixed)) {
      wprintf(L"%ls\tno fixed info\n", argv[i]);
      continue;
    }
    wprintf(L"%ls\t%u.%u.%u.%u\n", argv[i], HIWORD(fixed->dwFileVersionMS),
            LOWORD(fixed->dwFileVersionMS), HIWORD(fixed->dwFileVersionLS),
            LOWORD(fixed->dwFileVersionLS));
  }
  return 0;
}
