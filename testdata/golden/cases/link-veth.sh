# A veth pair in one namespace: carrier follows the peer.
ip link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1
ip link show
ip link set v0 up
ip link show
ip -br link
ip -d link show dev v0
ip -j link show dev v0
ip link set v1 up
ip link show
ip -br link
ip -s -d link show dev v1
ip -d -j link show dev v1
ip link set v0 mtu 70000
ip link set v0 mtu 65535
ip link set v0 mtu 67
ip link show dev v0
ip link set v1 down
ip link show dev v0
ip link del v1
ip link show
