# IPv6 addresses on a dummy (IFF_NOARP: no DAD), down then up; link-local from the MAC.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip -6 addr add 2001:db8::1/64 dev d0
ip addr show dev d0
ip -6 route show
ip link set d0 up
ip addr show dev d0
ip -6 addr show dev d0
ip -6 route show
ip addr add 2001:db8:0:1::5/64 dev d0
ip addr add 2001:db8:0:2::5/64 dev d0 nodad
ip -6 addr add 2001:db8::1/64 dev d0
ip -6 addr del 2001:db8::99/64 dev d0
ip -6 addr add 2001:db8::1/129 dev d0
ip -6 addr
ip -br -6 addr
ip -j -6 addr show dev d0
ip -6 route show
ip -6 route show table local
ip -4 addr
