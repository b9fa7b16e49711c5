#!/usr/bin/env bash
# Starts (or stops) dpt workers on the machines of a hosts file over ssh: copies the published worker and
# the cluster secret to each host, then runs `dpt-worker --join COORDINATOR` there under nohup (or
# systemd-run --user with --systemd). It does not start the coordinator, and it installs nothing as root.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: deploy/start-workers.sh [options] --join HOST:PORT HOSTS_FILE
       deploy/start-workers.sh [options] --stop HOSTS_FILE

HOSTS_FILE holds one host per line, optionally followed by the number of workers to start there
(default 1); '#' starts a comment. A host is anything ssh accepts: name, user@name, an ssh_config alias.

    # hosts
    gpu-box-1 2
    alice@10.0.0.12

Options:
  --join HOST:PORT      the coordinator's address, as `dpt train --listen/--public-host` announces it (required to start)
  --secret-file FILE    the cluster secret to copy (mode 600) to each host (default: ./secret)
  --worker-dir DIR      the published worker, from `dotnet publish src/Worker -c Release -o out/dpt-worker`
                        (default: out/dpt-worker)
  --remote-dir DIR      where to put it on each host, relative to the remote home unless absolute (default: dpt)
  --port PORT           first port the workers of a host listen on; worker i takes PORT+i (default: 4054)
  --data-dir DIR        passed to dpt-worker: a copy of the data set on the hosts (default: receive it from the coordinator)
  --cache-dir DIR       passed to dpt-worker: where received data sets are cached
  --systemd             run each worker as a transient user unit dpt-worker-I (systemd-run --user) instead of nohup;
                        `loginctl enable-linger USER` on the host keeps it running after you log out
  --stop                stop the workers this script started on every host (SIGTERM: they leave the cluster gracefully)
  --dry-run             print the commands instead of running them
  -h, --help            this help
  -- ARGS...            further arguments for dpt-worker

Example:
  dotnet publish src/Worker -c Release -o out/dpt-worker
  deploy/start-workers.sh --join coordinator.example.org:4053 --secret-file /etc/dpt/secret hosts.txt
  deploy/start-workers.sh --stop hosts.txt
USAGE
}

die() { printf 'start-workers.sh: %s\n' "$*" >&2; exit 2; }

# Quotes one argument for a POSIX shell on the remote side: 'it'\''s'.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# Quotes every argument and joins them with spaces.
quote_all() {
    local out="" arg
    for arg in "$@"; do out+="${out:+ }$(quote "$arg")"; done
    printf '%s' "$out"
}

# Runs a command, or prints it (quoted) with --dry-run. An optional "<FILE" first argument feeds stdin.
run() {
    local input=""
    if [[ $1 == "<"* ]]; then input=${1#<}; shift; fi
    if (( dry_run )); then
        printf '%s%s\n' "$(quote_all "$@")" "${input:+ < $(quote "$input")}"
    elif [[ -n $input ]]; then
        "$@" <"$input"
    else
        "$@"
    fi
}

join="" secret_file="secret" worker_dir="out/dpt-worker" remote_dir="dpt" port=4054
data_dir="" cache_dir="" use_systemd=0 stop=0 dry_run=0 hosts_file=""
extra=()

while (( $# > 0 )); do
    case $1 in
        --join) join=${2:?--join needs HOST:PORT}; shift 2 ;;
        --secret-file) secret_file=${2:?--secret-file needs a file}; shift 2 ;;
        --worker-dir) worker_dir=${2:?--worker-dir needs a directory}; shift 2 ;;
        --remote-dir) remote_dir=${2:?--remote-dir needs a directory}; shift 2 ;;
        --port) port=${2:?--port needs a number}; shift 2 ;;
        --data-dir) data_dir=${2:?--data-dir needs a directory}; shift 2 ;;
        --cache-dir) cache_dir=${2:?--cache-dir needs a directory}; shift 2 ;;
        --systemd) use_systemd=1; shift ;;
        --stop) stop=1; shift ;;
        --dry-run) dry_run=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) [[ -z $hosts_file ]] || die "one hosts file expected, got '$hosts_file' and '$1'"; hosts_file=$1; shift ;;
    esac
done

[[ -n $hosts_file ]] || { usage >&2; exit 2; }
[[ -f $hosts_file ]] || die "hosts file '$hosts_file' does not exist"
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || (( 10#$port < 1 || 10#$port > 65535 )); then die "--port: '$port' is not a port number (1-65535)"; fi
port=$(( 10#$port ))
if (( ! stop )); then
    [[ $join =~ ^[^:]+:[0-9]+$ ]] || die "--join: '$join' is not HOST:PORT (the coordinator's address); it is required to start workers"
    [[ -f $secret_file ]] || die "--secret-file: '$secret_file' does not exist; create one with: head -c 32 /dev/urandom | base64 > secret && chmod 600 secret"
    if [[ ! -x $worker_dir/dpt-worker ]]; then
        (( dry_run )) || die "--worker-dir: '$worker_dir/dpt-worker' not found; publish it with: dotnet publish src/Worker -c Release -o $worker_dir"
        printf 'start-workers.sh: warning: %s/dpt-worker not found (publish it before a real run)\n' "$worker_dir" >&2
    fi
fi

# Hosts and worker counts, in file order.
hosts=() counts=()
line_number=0
while IFS= read -r line || [[ -n $line ]]; do
    line_number=$(( line_number + 1 ))
    line=${line%%#*}
    read -r host count rest <<<"$line" || true
    [[ -n ${host:-} ]] || continue
    [[ -z ${rest:-} ]] || die "$hosts_file:$line_number: expected 'host [workers]', got '$line'"
    count=${count:-1}
    if ! [[ $count =~ ^[0-9]{1,3}$ ]] || (( 10#$count < 1 || 10#$count > 256 )); then
        die "$hosts_file:$line_number: worker count '$count' is not a number from 1 to 256"
    fi
    count=$(( 10#$count ))
    (( port + count - 1 <= 65535 )) || die "$hosts_file:$line_number: $count workers from port $port run past 65535"
    hosts+=("$host") counts+=("$count")
done <"$hosts_file"
(( ${#hosts[@]} > 0 )) || die "$hosts_file lists no hosts"

ssh_opts=(-o BatchMode=yes -o ConnectTimeout=10)
rdir=$(quote "$remote_dir")

stop_host() {
    local host=$1 count=$2 i
    if (( use_systemd )); then
        local units=()
        for (( i = 0; i < count; i++ )); do units+=("dpt-worker-$i"); done
        run ssh "${ssh_opts[@]}" "$host" "systemctl --user stop $(quote_all "${units[@]}") || true"
    else
        # SIGTERM, then up to 60 s for a graceful leave, then SIGKILL.
        run ssh "${ssh_opts[@]}" "$host" "cd $rdir 2>/dev/null || exit 0
for f in run/worker-*.pid; do
  [ -f \"\$f\" ] || continue
  pid=\$(cat \"\$f\")
  if kill -TERM \"\$pid\" 2>/dev/null; then
    n=0; while kill -0 \"\$pid\" 2>/dev/null && [ \$n -lt 60 ]; do sleep 1; n=\$((n+1)); done
    kill -KILL \"\$pid\" 2>/dev/null || true
  fi
  rm -f \"\$f\"
done"
    fi
}

start_host() {
    local host=$1 count=$2 i public_host=${1#*@}
    run ssh "${ssh_opts[@]}" "$host" "mkdir -p $rdir/bin $rdir/logs $rdir/run"
    if command -v rsync >/dev/null; then
        run rsync -a --delete -e "ssh ${ssh_opts[*]}" "$worker_dir/" "$host:$remote_dir/bin/"
    else
        run scp "${ssh_opts[@]}" -rq "$worker_dir/." "$host:$remote_dir/bin/"
    fi
    # Through stdin, so the secret never appears in a command line; umask 077 makes it 600 from the start.
    run "<$secret_file" ssh "${ssh_opts[@]}" "$host" "umask 077 && cat > $rdir/secret && chmod 600 $rdir/secret"

    for (( i = 0; i < count; i++ )); do
        local args=(--join "$join" --secret-file "SECRET" --listen "0.0.0.0:$(( port + i ))" --public-host "$public_host")
        [[ -z $data_dir ]] || args+=(--data-dir "$data_dir")
        [[ -z $cache_dir ]] || args+=(--cache-dir "$cache_dir")
        args+=("${extra[@]}")
        # The secret's absolute path is only known on the host: "SECRET" is replaced there.
        local cmd
        cmd="$(quote_all "${args[@]}")"
        cmd=${cmd/"'SECRET'"/"\"\$PWD/secret\""}
        if (( use_systemd )); then
            run ssh "${ssh_opts[@]}" "$host" "cd $rdir && systemd-run --user --unit=dpt-worker-$i --collect \
--property=KillSignal=SIGTERM --property=TimeoutStopSec=60 --property=Restart=on-failure \
--working-directory=\"\$PWD\" \"\$PWD/bin/dpt-worker\" $cmd"
        else
            run ssh "${ssh_opts[@]}" "$host" "cd $rdir && if [ -f run/worker-$i.pid ] && kill -0 \$(cat run/worker-$i.pid) 2>/dev/null; then echo \"worker $i already running (pid \$(cat run/worker-$i.pid))\"; exit 0; fi
nohup ./bin/dpt-worker $cmd > logs/worker-$i.log 2>&1 < /dev/null &
echo \$! > run/worker-$i.pid"
        fi
    done
}

for (( h = 0; h < ${#hosts[@]}; h++ )); do
    if (( stop )); then
        printf '== %s: stopping %s worker(s)\n' "${hosts[h]}" "${counts[h]}" >&2
        stop_host "${hosts[h]}" "${counts[h]}"
    else
        printf '== %s: starting %s worker(s), joining %s\n' "${hosts[h]}" "${counts[h]}" "$join" >&2
        start_host "${hosts[h]}" "${counts[h]}"
    fi
done
