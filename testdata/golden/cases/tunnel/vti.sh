# vti: fallback ip_vti0, keys (numbers and dotted quads), show formats, errors.
ip -d link show dev ip_vti0
ip link add t1 type vti remote 198.51.100.2 local 192.0.2.1 ikey 5 okey 1.2.3.4
ip link show dev t1
ip -d link show t1
ip -s -d link show t1
ip -j -d link show t1
ip -j -p -d link show t1
ip tunnel show
ip tunnel show t1
ip -s tunnel show t1
ip link add t2 type vti remote 198.51.100.3 key 7
ip link add t3 type vti local 192.0.2.1 remote 198.51.100.4 ikey 0.0.0.1 okey 0.0.0.2 dev lo
ip -d link show t2
ip -d link show t3
ip link add t4 type vti remote 198.51.100.2 local 192.0.2.1 ikey 5 okey 1.2.3.4
ip link add t4 type vti remote 198.51.100.2 ttl 64
ip link add t4 type vti remote 198.51.100.2 ikey foo
ip link set t1 up
ip addr add 10.0.1.1/30 dev t1
ip addr show dev t1
ip link set t1 type vti okey 9
ip -d link show t1
ip link show
