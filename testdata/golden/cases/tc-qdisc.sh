# Default qdiscs of fresh devices, as tc shows them.
tc qdisc show
ip link set lo up
tc qdisc show
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1
tc qdisc show
tc qdisc show dev d0
ip link set d0 up
ip link set v0 up
tc qdisc show
tc qdisc show dev d0
tc qdisc show dev v0
tc -s qdisc show dev d0
tc -s qdisc show
tc -j qdisc show
tc -j -s qdisc show dev d0
tc -p -j qdisc show dev d0
tc qdisc show dev nonexistent
tc -d qdisc show dev v0
tc filter show dev d0
tc filter show dev d0 ingress
tc qdisc add dev d0 clsact
tc qdisc show dev d0
tc -s qdisc show dev d0
tc qdisc add dev d0 clsact
tc qdisc del dev d0 clsact
tc qdisc del dev d0 clsact
tc qdisc show dev d0
tc foo
