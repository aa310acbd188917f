# blackhole / unreachable / prohibit / throw routes and what route get says about them.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link set d0 up
ip addr add 192.0.2.10/24 dev d0
ip route add blackhole 203.0.113.0/24
ip route add unreachable 203.0.114.0/24
ip route add prohibit 203.0.115.0/24
ip route add throw 203.0.116.0/24
ip route add blackhole 10.0.0.0/8 metric 7 table 100
ip route add unreachable default
ip route show
ip route show table 100
ip route show type blackhole
ip -j route show
ip route get 203.0.113.5
ip route get 203.0.114.5
ip route get 203.0.115.5
ip route get 203.0.116.5
ip route get 8.8.8.8
ip -6 route add blackhole 2001:db8:dead::/48
ip -6 route add unreachable 2001:db8:beef::/48
ip -6 route add prohibit 2001:db8:cafe::/48
ip -6 route show
ip -6 route get 2001:db8:dead::1
ip -6 route get 2001:db8:beef::1
