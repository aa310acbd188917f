# replace, change, append, prepend, del (present/absent), duplicate, bad gateway, flush.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add d1 address 02:00:00:00:00:02 type dummy
ip link set d0 up
ip link set d1 up
ip addr add 192.0.2.10/24 dev d0
ip addr add 198.51.100.10/24 dev d1
ip route add 203.0.113.0/24 via 192.0.2.1
ip route add 203.0.113.0/24 via 192.0.2.1
ip route add 203.0.113.0/24 via 198.51.100.1
ip route replace 203.0.113.0/24 via 198.51.100.1
ip route show
ip route replace 203.0.114.0/24 via 192.0.2.2
ip route change 203.0.114.0/24 via 192.0.2.3 mtu 1280
ip route change 203.0.199.0/24 via 192.0.2.3
ip route append 203.0.114.0/24 via 198.51.100.2
ip route prepend 203.0.114.0/24 via 198.51.100.3
ip route show
ip route add 203.0.115.0/24 via 10.1.1.1
ip route add 203.0.115.0/24 via 192.0.2.10
ip route add 203.0.115.0/24 via 192.0.2.1 dev d1
ip route add 203.0.115.0/24 dev nonexistent
ip route add 203.0.115.0/33 dev d0
ip route add 203.0.115.1/24 dev d0
ip route add 203.0.115.0/24 via 192.0.2.1 bogus
ip route add 203.0.115.0/24 via 192.0.2.1 metric x
ip route add 203.0.125.0/24 via 192.0.2.1 mtu 70000
ip route add 203.0.125.0/24 via 192.0.2.1 mtu 1000000
ip route add 203.0.115.0/24
ip route add 203.0.115.0/24 via 192.0.2.1 table 0
ip route add 203.0.115.0/24 via 192.0.2.1 table foo
ip route del 203.0.113.0/24
ip route del 203.0.113.0/24
ip route del 203.0.199.0/24
ip route del 203.0.114.0/24 via 198.51.100.2
ip route show
ip route delete 203.0.114.0/24 table 100
ip route add 10.1.0.0/16 via 192.0.2.1 table 100
ip route add 10.2.0.0/16 via 192.0.2.1 table 100
ip route flush table 100
ip route show table 100
ip route add 10.3.0.0/16 via 192.0.2.1
ip route flush 10.3.0.0/16
ip route flush dev d1
ip route show
ip route flush
ip route show table all
ip route flush table main
