# IPv6 routes: via, dev, metric, default; show and the kernel's fe80/multicast routes.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link set d0 up
ip -6 addr add 2001:db8::10/64 dev d0 nodad
ip -6 route add 2001:db8:1::/64 via 2001:db8::1
ip -6 route add 2001:db8:2::/64 dev d0 metric 10
ip -6 route add 2001:db8:3::/64 via 2001:db8::1 mtu 1400
ip -6 route add 2001:db8:4::/64 via 2001:db8::99 dev d0 table 100
ip -6 route add 2001:db8:1::/64 via 2001:db8::1
ip -6 route add 2001:db8:5::/64 via 2001:db8:9::1
ip -6 route add 2001:db8:6::/64 via 192.0.2.1
ip -6 route show
ip route show
ip -6 route show table 100
ip -6 route show table all
ip -6 route show table local
ip -j -6 route show
ip -6 route get 2001:db8:1::5
ip -6 route get 2001:db8:3::5
ip -6 route del 2001:db8:1::/64
ip -6 route del 2001:db8:1::/64
ip -6 route replace 2001:db8:2::/64 via 2001:db8::2
ip -6 route show
