# ip route get: via a gateway, connected, local, unreachable, with from/iif/oif, -j.
ip link set lo up
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link set d0 up
ip addr add 192.0.2.10/24 dev d0
ip route get 203.0.113.5
ip route add 203.0.113.0/24 via 192.0.2.1
ip route get 203.0.113.5
ip route get 192.0.2.77
ip route get 192.0.2.10
ip route get 127.0.0.1
ip route get 127.1.2.3
ip route get 192.0.2.255
ip route get 255.255.255.255
ip route get 224.0.0.1
ip route get to 203.0.113.5 from 192.0.2.10
ip route get 203.0.113.5 oif d0
ip route get 203.0.113.5 from 198.51.100.1
ip route get 203.0.113.5 mark 7
ip route get 203.0.113.5 ipproto udp sport 1000 dport 53
ip route get 203.0.113.5 iif d0 from 198.51.100.1
ip route get 203.0.113.5 iif lo from 192.0.2.10
ip -j route get 203.0.113.5
ip -j -p route get 192.0.2.10
ip route get fibmatch 203.0.113.5
ip route get 1.2.3.4
ip route get 203.0.113.5 oif nonexistent
ip route get 300.1.1.1
ip route get
ip -6 route get 2001:db8::1
ip -6 addr add 2001:db8::10/64 dev d0 nodad
ip -6 route get 2001:db8::1
ip -6 route get 2001:db8::10
ip -6 route get ::1
ip -6 route get fe80::1
ip -6 route get fe80::1 oif d0
ip -j -6 route get 2001:db8::1
