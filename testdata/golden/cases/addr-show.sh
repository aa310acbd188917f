# ip addr listing variants over lo + dummy + veth with fixed MACs.
ip link set lo up
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1
ip addr add 192.0.2.1/24 dev d0
ip addr add 198.51.100.1/24 dev v0
ip -6 addr add 2001:db8::1/64 dev d0
ip link set d0 up
ip addr
ip address show
ip addr list
ip -4 addr
ip -4 addr show dev d0
ip -6 addr show dev lo
ip -br addr
ip -br -4 addr
ip -o addr
ip -o -4 addr
ip -j addr show
ip -j -4 addr show
ip addr show up
ip addr show to 192.0.2.0/24
ip addr show scope host
