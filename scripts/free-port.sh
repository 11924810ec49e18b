# free-port.sh -- sourced (bash), not run: free_port, shared by
# scripts/pg-throwaway.sh and bench/run.
#
# free_port [N]: prints a TCP port P of 127.0.0.1 such that nobody listens
# on P .. P+N-1 (N defaults to 1; bench/run asks for 2: numberd's and
# nginx's).  P lies below the kernel's range of ephemeral ports: a port in
# it may be the local end of an outgoing connection (wrk's, curl's, a
# client's of PostgreSQL) at the moment a server binds it -- no listener,
# so the probe passes, and the bind then fails ("Address already in use",
# seen once in faults.test.js's cluster and once in a bench run).  The
# probe is bash's /dev/tcp: a refused connection means nobody listens.
# Returns 1 (with a message) after 100 tries.
free_port() {
  local n=${1:-1} p lo k busy
  read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  ((lo > 12000)) || lo=32768
  for _ in $(seq 1 100); do
    p=$((10000 + RANDOM % (lo - 10000 - n)))
    busy=0
    for ((k = 0; k < n; k++)); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$((p + k))") 2>/dev/null; then busy=1; break; fi
    done
    ((busy)) || { echo "$p"; return 0; }
  done
  echo "free_port: no free port of 127.0.0.1 found below $lo" >&2
  return 1
}
