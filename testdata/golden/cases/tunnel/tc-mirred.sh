# clsact + matchall + mirred: show, -s, -j, actions ls, and mirred errors.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add d1 address 02:00:00:00:00:02 type dummy
ip link set d0 up
ip link set d1 up
tc qdisc add dev d0 clsact
tc qdisc show dev d0
tc filter add dev d0 ingress matchall action mirred egress mirror dev d1
tc filter show dev d0 ingress
tc -s filter show dev d0 ingress
tc -j filter show dev d0 ingress
tc -j -p filter show dev d0 ingress
tc -s -j filter show dev d0 ingress
tc filter add dev d0 egress protocol ip pref 10 matchall skip_hw action mirred egress redirect dev d1
tc filter show dev d0 egress
tc -s -d filter show dev d0 egress
tc actions ls action mirred
tc actions list action mirred
tc -s actions ls action mirred
tc -j actions ls action mirred
tc actions add action mirred egress redirect dev d1 index 50
tc actions add action mirred ingress mirror dev d0 pipe index 51
tc actions get action mirred index 50
tc actions ls action mirred
tc filter add dev d1 ingress matchall action mirred egress mirror dev d0
tc qdisc add dev d1 clsact
tc filter add dev d1 ingress matchall action mirred index 50
tc filter show dev d1 ingress
tc actions add action mirred egress redirect dev d1 index 50
tc actions get action mirred index 99
tc actions del action mirred index 51
tc actions del action mirred index 51
tc filter add dev d0 ingress matchall action mirred egress mirror
tc filter add dev d0 ingress matchall action mirred egress mirror dev nonexistent
tc filter add dev d0 ingress matchall action mirred egress bogus dev d1
tc filter add dev d0 ingress matchall action mirred mirror dev d1
tc filter add dev d0 ingress matchall action mirred
tc filter add dev d0 bogus matchall action mirred egress mirror dev d1
tc filter add dev nonexistent ingress matchall action mirred egress mirror dev d1
tc filter add block 1 matchall action mirred egress mirror dev d1
tc filter add dev d0 block 1 matchall action mirred egress mirror dev d1
tc filter del dev d0 ingress
tc filter show dev d0 ingress
tc actions flush action mirred
tc actions ls action mirred
tc qdisc del dev d0 clsact
tc qdisc show
