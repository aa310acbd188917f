# ip link set: up/down, mtu, address, txqueuelen, name, alias, arp, multicast, promisc.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link set d0 up
ip link set d0 mtu 1400
ip link set dev d0 address 02:00:00:00:00:aa
ip link set d0 txqueuelen 500
ip link show dev d0
ip link set d0 mtu 70000
ip link set d0 mtu 68
ip link show dev d0
ip link set d0 down
ip link set d0 name d9
ip link show dev d9
ip link show dev d0
ip link set d9 alias "uplink one"
ip link set d9 arp off
ip link set d9 multicast on
ip link set d9 promisc on
ip link show dev d9
ip -d link show dev d9
ip -j link show dev d9
ip link set d9 arp on promisc off multicast off
ip link set d9 up mtu 9000 txqueuelen 1000 name d1
ip link show
