# The loopback device: up, its addresses and local routes.
ip link set lo up
ip link show
ip -d link show dev lo
ip -s link show dev lo
ip addr show
ip -br addr
ip route show table local
ip -6 route show table local
ip -6 route show
ip -j addr show dev lo
ip link set lo mtu 1500
ip link show dev lo
ip link set lo down
ip addr show
ip route show table all
