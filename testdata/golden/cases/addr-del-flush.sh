# Deleting the primary removes its secondaries (promote_secondaries off); flush.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link set d0 up
ip addr add 192.0.2.1/24 dev d0
ip addr add 192.0.2.2/24 dev d0
ip addr add 192.0.2.3/24 dev d0
ip addr add 198.51.100.1/24 dev d0
ip addr del 192.0.2.2/24 dev d0
ip addr show dev d0
ip addr del 192.0.2.1/24 dev d0
ip addr show dev d0
ip route show
ip addr add 192.0.2.1/24 dev d0
ip addr add 192.0.2.2/24 dev d0
ip -6 addr add 2001:db8::1/64 dev d0 nodad
ip addr flush dev d0
ip addr show dev d0
ip route show table all
ip addr flush dev d0
ip addr flush dev nonexistent
ip -4 addr flush dev d0
