#!/usr/bin/env bash
# Sets up everything replygen needs on Debian 12, installing only what is missing:
#   scripts/setup.sh          system libraries and CJK fonts for rendering, and .venv with replygen
#   scripts/setup.sh --import also LibreOffice Writer, which `replygen import` uses for .doc/.wps/.rtf/.odt
#   scripts/setup.sh --test   also what the tests use: poppler-utils, LibreOffice Writer, Chromium, and test packages
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
want_import=0
[ "${1:-}" = "--test" ] && want_tests=1
[ "${1:-}" = "--import" ] && want_import=1

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-arphic-ukai)
command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3 python3-venv)
[ "$want_import" = 1 ] && packages+=(libreoffice-writer-nogui)
[ "$want_tests" = 1 ] && packages+=(poppler-utils libreoffice-writer-nogui chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
updated=0
apt_update() { [ "$updated" = 1 ] || { sudo_ apt-get update -qq; updated=1; }; }
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> 安装系统软件包 (apt): ${missing[*]}"
  apt_update
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# FandolFang is the only free 仿宋 with full GB 2312 coverage. Debian ships it inside texlive-lang-chinese;
# take the font files from that package instead of installing TeX.
fandol_dir=/usr/local/share/fonts/fandol
if ! fc-list : family | grep FandolFang >/dev/null; then
  echo "==> 安装 Fandol 字体（仿宋、楷体等）到 $fandol_dir"
  apt_update
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null && dpkg-deb -x texlive-lang-chinese_*.deb x)
  sudo_ mkdir -p "$fandol_dir"
  sudo_ cp "$tmp"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol{Fang,Kai,Song,Hei}-*.otf "$fandol_dir"/
  rm -rf "$tmp"
  sudo_ fc-cache -f >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建 Python 虚拟环境 .venv"
  python3 -m venv .venv
fi
extra=""
[ "$want_tests" = 1 ] && extra="[test]"
stamp=".venv/.replygen-installed$extra"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> 安装 replygen 及其依赖到 .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".$extra"
  touch "$stamp"
fi
# Compile replygen's own modules once, as installing a package does: every command then starts from bytecode,
# also where PYTHONDONTWRITEBYTECODE is set (an editable install is otherwise compiled again at each start).
.venv/bin/python -m compileall -q replygen >/dev/null
