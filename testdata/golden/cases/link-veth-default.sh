# veth without a peer name, then a second pair; default names and ifindex order.
ip link add v0 type veth
ip link add type veth
ip -br link show type veth
ip link add a0 type veth peer b0
ip -br link show type veth
ip link del a0
ip link del veth0
ip -br link show type veth
