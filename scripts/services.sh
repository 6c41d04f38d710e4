# Functions that make sure the real services the tests use are present and
# running, installing them from Debian's packages on a fresh machine.
# Sourced by scripts/test; each function is idempotent and quiet when all is well.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y --no-install-recommends "$@" >/tmp/shequ-apt.log 2>&1; then
        as_root apt-get update >>/tmp/shequ-apt.log 2>&1
        as_root apt-get install -y --no-install-recommends "$@" >>/tmp/shequ-apt.log 2>&1 || {
            echo "error: could not install $* (see /tmp/shequ-apt.log)" >&2
            return 1
        }
    fi
}

# PostgreSQL on 127.0.0.1:5432 with trust auth for local connections and a
# database named test.
ensure_postgres() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "installing PostgreSQL from Debian's packages…"
        apt_install postgresql postgresql-client
        local hba
        hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
        # Tests connect as postgres over TCP without a password.
        as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 1 30); do
            pg_isready -q -h 127.0.0.1 -p 5432 && break
            sleep 1
        done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 || { echo "error: PostgreSQL did not start on 127.0.0.1:5432" >&2; return 1; }
    if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
        psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null
    fi
}

# Mosquitto on 127.0.0.1:1883 (door-access ingest).
ensure_mosquitto() {
    if ! command -v mosquitto >/dev/null 2>&1; then
        echo "installing Mosquitto from Debian's packages…"
        apt_install mosquitto mosquitto-clients
    fi
    if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
        as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
        for _ in $(seq 1 20); do
            (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break
            sleep 0.5
        done
    fi
}

# Debian's Chromium and playwright-core (from npm) for the browser tests.
# Playwright never downloads a browser here: it drives /usr/bin/chromium.
ensure_browser() {
    if [ ! -x /usr/bin/chromium ]; then
        echo "installing Chromium from Debian's packages…"
        apt_install chromium
    fi
    # Without a CJK font the Chinese pages render as boxes in screenshots.
    if [ ! -d /usr/share/fonts/opentype/noto ] || ! ls /usr/share/fonts/opentype/noto | grep -q CJK; then
        echo "installing Noto CJK fonts from Debian's packages…"
        apt_install fonts-noto-cjk
    fi
    if ! command -v node >/dev/null 2>&1; then
        echo "installing Node.js from Debian's packages…"
        apt_install nodejs npm
    fi
    if [ -f tests/browser/package.json ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund >/tmp/shequ-npm.log 2>&1 || {
            echo "error: npm ci in tests/browser failed (see /tmp/shequ-npm.log)" >&2
            return 1
        }
    fi
}

# schemathesis (from PyPI, in a venv of its own) for the test that fuzzes
# the API against its OpenAPI document. The venv lives outside the clone
# so CI on the same machine reuses it.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
    local venv="${SHEQU_VENV:-/var/tmp/shequ-venv}"
    if [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
        echo "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv…"
        if ! python3 -m venv "$venv" >/tmp/shequ-venv.log 2>&1; then
            apt_install python3-venv python3-pip
            python3 -m venv "$venv" >>/tmp/shequ-venv.log 2>&1
        fi
        "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" >>/tmp/shequ-venv.log 2>&1 || {
            echo "error: pip install schemathesis failed (see /tmp/shequ-venv.log)" >&2
            return 1
        }
    fi
    export SHEQU_TEST_SCHEMATHESIS="$venv/bin/st"
}
