# A fresh network namespace: only lo, DOWN, no addresses, no routes.
ip link show
ip -d link show
ip -s link show
ip -br link
ip -j link show
ip addr show
ip -j addr show
ip route show
ip route show table all
ip -6 route show
ip neigh show
tc qdisc show
