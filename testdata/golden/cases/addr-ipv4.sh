# IPv4 addresses: prefix, brd +, explicit brd, label, peer, secondary, scope.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip addr add 192.0.2.1/24 dev d0
ip addr show dev d0
ip route show table all
ip addr add 192.0.2.2/24 dev d0
ip addr add 198.51.100.1/24 brd + dev d0
ip addr add 198.51.100.77/25 broadcast 198.51.100.127 dev d0 label d0:1
ip addr add 10.9.9.1 peer 10.9.9.2 dev d0
ip addr add 10.8.0.1/32 dev d0 scope link
ip addr add 10.7.0.1/8 dev d0 scope host
ip addr add 100.64.0.1 dev d0
ip addr show
ip addr show dev d0
ip addr show label d0:1
ip addr show dev d0 secondary
ip addr show dev d0 primary
ip -4 addr
ip -br addr
ip route show
ip route show table local
ip link set d0 up
ip addr show dev d0
ip -br addr show dev d0
ip route show
ip route show table local
ip -j addr show dev d0
ip -j -p addr show dev d0
