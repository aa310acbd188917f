# ipip errors: nopmtudisc with ttl, duplicate endpoints, bad values, fallback device.
ip link add t0 type ipip remote 198.51.100.2 local 192.0.2.1 ttl 64
ip link add t1 type ipip remote 198.51.100.2 local 192.0.2.1 ttl 64
ip link add t1 type ipip remote 198.51.100.2 local 192.0.2.1 ttl 32
ip link add t1 type ipip remote 198.51.100.3 nopmtudisc ttl 64
ip link add t1 type ipip remote 198.51.100.3 ttl 64 nopmtudisc
ip link add t1 type ipip remote 198.51.100.3 ttl 256
ip link add t1 type ipip remote 198.51.100.3 tos 300
ip link add t1 type ipip remote foo
ip link add t1 type ipip remote 198.51.100.3 bogus
ip link add t1 type ipip remote 198.51.100.3 dev nonexistent
ip link add t1 type ipip remote 2001:db8::1
ip link add t1 type ipip encap fou encap-sport auto encap-dport 5555 remote 198.51.100.3
ip -d link show t1
ip link del tunl0
ip link set tunl0 type ipip remote 198.51.100.9
ip link set t0 name tunl0
ip tunnel add t9 mode ipip remote 198.51.100.9 local 192.0.2.1
ip tunnel show
ip tunnel del t9
ip tunnel del t9
ip link show
