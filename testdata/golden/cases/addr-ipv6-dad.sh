# IPv6 on a veth pair: no link-local until carrier; DAD marks addresses tentative.
ip link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1
ip -6 addr add 2001:db8::1/64 dev v0
ip link set v0 up
ip addr show dev v0
ip link set v1 up
ip addr show dev v0
ip -6 addr add 2001:db8::2/64 dev v0 nodad
ip -6 addr show dev v0
ip -6 route show
sleep 3
ip -6 addr show dev v0
ip -6 addr show dev v1
