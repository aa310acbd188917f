# Routes the kernel adds for addresses; order of table all / local; -j.
ip link set lo up
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add d1 address 02:00:00:00:00:02 type dummy
ip link set d0 up
ip link set d1 up
ip addr add 192.0.2.1/24 dev d0
ip addr add 198.51.100.1/24 dev d1
ip addr add 10.0.0.1/8 dev d1
ip route show
ip route
ip route list
ip route show table main
ip route show table local
ip route show table all
ip -4 route show table all
ip -6 route show table all
ip route show dev d1
ip route show proto kernel
ip route show scope link
ip route show type local table local
ip route show 192.0.2.0/24
ip route show match 192.0.2.77
ip route show root 10.0.0.0/8
ip -j route show
ip -j -p route show
ip -j route show table local
ip -o route show
ip link set d1 down
ip route show
ip route show table local
