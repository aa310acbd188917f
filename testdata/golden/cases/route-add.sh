# ip route add: via, dev, src, metric, mtu, mtu lock, table, default, proto, scope.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add d1 address 02:00:00:00:00:02 type dummy
ip link set d0 up
ip link set d1 up
ip addr add 192.0.2.10/24 dev d0
ip addr add 198.51.100.10/24 dev d1
ip route add 203.0.113.0/24 via 192.0.2.1
ip route add 203.0.114.0/24 dev d1
ip route add 203.0.115.0/24 via 198.51.100.1 dev d1 src 198.51.100.10
ip route add 203.0.116.0/24 via 192.0.2.1 metric 100
ip route add 203.0.116.0/24 via 198.51.100.1 metric 200
ip route add 203.0.117.0/24 via 192.0.2.1 mtu 1400
ip route add 203.0.118.0/24 via 192.0.2.1 mtu lock 1300
ip route add 203.0.119.0/24 dev d0 scope link proto static
ip route add 203.0.120.1 via 192.0.2.1
ip route add 203.0.121.0/24 via 192.0.2.1 advmss 1200 hoplimit 32 initcwnd 10
ip route add 10.100.0.0/16 via 192.0.2.1 table 100
ip route add default via 192.0.2.1 table 100
ip route add default via 192.0.2.1
ip route show
ip route show table 100
ip route show table all
ip -d route show
ip route show 203.0.116.0/24
ip -j route show
ip -j route show table 100
ip -6 route add 2001:db8:1::/64 via 2001:db8::1
ip addr add 2001:db8::10/64 dev d0 nodad
ip -6 route add 2001:db8:1::/64 via 2001:db8::1
ip -6 route add 2001:db8:2::/64 dev d1 metric 5
ip -6 route add default via 2001:db8::1 dev d0
ip -6 route show
ip -j -6 route show
