#!/usr/bin/env bash
# The deploy/ files, each checked by the tool that reads it: systemd-analyze verify for the
# units, nginx -t for the site (with a throw-away self-signed certificate), logrotate -d for
# the rotation. nginx and logrotate are installed from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || missing+=(logrotate)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
here="$PWD"

# systemd: the units as shipped, with the program path pointed at this checkout's venv
# (verify insists the ExecStart program exists). Any warning fails the check.
mkdir -p "$work/units"
for unit in deploy/systemd/*; do
    sed "s#/srv/cnsbot/.venv/bin/cnsbot#$here/.venv/bin/cnsbot#" "$unit" >"$work/units/$(basename "$unit")"
done
cp "$work/units/cnsbot-web@.service" "$work/units/cnsbot-web@8081.service"
(cd "$work/units" && systemd-analyze verify --man=no ./cnsbot.service ./cnsbot-migrate.service \
    ./cnsbot.target ./cnsbot-web@8081.service) >"$work/systemd.log" 2>&1 || true
if [ -s "$work/systemd.log" ]; then
    cat "$work/systemd.log"
    echo "deploy/systemd: systemd-analyze verify complained" >&2
    exit 1
fi
echo "deploy/systemd: systemd-analyze verify clean"

# nginx: the site inside a minimal main configuration, its certificate made up here.
mkdir -p "$work/nginx/ssl"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bot.example.vn" \
    -keyout "$work/nginx/ssl/privkey.pem" -out "$work/nginx/ssl/fullchain.pem" 2>/dev/null
sed "s#/etc/ssl/cnsbot/#$work/nginx/ssl/#" deploy/nginx/cnsbot.conf >"$work/nginx/cnsbot.conf"
cat >"$work/nginx/nginx.conf" <<CONF
pid $work/nginx/nginx.pid;
error_log stderr;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $work/nginx/cnsbot.conf;
}
CONF
nginx -t -q -c "$work/nginx/nginx.conf" -p "$work/nginx"
echo "deploy/nginx: nginx -t clean"

# logrotate: a dry run of the rotation on a log directory made up here.
mkdir -p "$work/log"
echo '{"level": "INFO"}' >"$work/log/web-8081.log"
sed -e "s#/var/log/cnsbot/#$work/log/#" -e "s#^\s*su cnsbot cnsbot#    su $(id -un) $(id -gn)#" \
    deploy/logrotate/cnsbot >"$work/logrotate.conf"
logrotate -d -s "$work/logrotate.state" "$work/logrotate.conf" >"$work/logrotate.log" 2>&1
if grep -qiE "error|unknown|bad" "$work/logrotate.log"; then
    cat "$work/logrotate.log"
    echo "deploy/logrotate: logrotate -d complained" >&2
    exit 1
fi
grep -q "web-8081.log" "$work/logrotate.log"  # the pattern really matched the file
echo "deploy/logrotate: logrotate -d clean"
