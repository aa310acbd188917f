# ipip: fallback tunl0 present from the start; a configured tunnel shown every way.
ip link show
ip -d link show dev tunl0
ip link add t0 type ipip remote 198.51.100.2 local 192.0.2.1 ttl 64
ip link show
ip link show dev t0
ip -d link show t0
ip -s -d link show t0
ip -s -s link show dev t0
ip -j -d link show t0
ip -j -p -d link show t0
ip -br link
ip tunnel show
ip tunnel show t0
ip -s tunnel show
ip -s tunnel show t0
ip -j tunnel show
ip link set t0 up
ip addr add 10.0.0.1/30 dev t0
ip addr show dev t0
ip route show
ip -d link show t0
ip link add t1 type ipip remote 198.51.100.3 local 192.0.2.1 ttl inherit tos inherit
ip link add t2 type ipip remote 198.51.100.4 nopmtudisc
ip link add t3 type ipip local 192.0.2.9 pmtudisc ttl 255 tos 0x10
ip link add t4 type ipip remote any local any dev lo
ip link add t5 type ipip external
ip -d link show t1
ip -d link show t2
ip -d link show t3
ip -d link show t4
ip -d link show t5
ip tunnel show
ip link set t1 type ipip remote 198.51.100.33 ttl 10
ip -d link show t1
ip link del t0
ip tunnel show
