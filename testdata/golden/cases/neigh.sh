# Neighbour entries: add permanent/reachable/noarp, show, -j, replace, change, del, flush, errors.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1
ip link set d0 up
ip link set v0 up
ip link set v1 up
ip addr add 192.0.2.10/24 dev v0
ip neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev v0 nud permanent
ip neigh add 192.0.2.8 lladdr 02:00:00:00:00:08 dev v0 nud noarp
ip neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev v0
ip neigh add 192.0.2.6 dev v0 nud permanent
ip neigh add 192.0.2.5 lladdr 02:00:00:00:00:05 dev d0 nud permanent
ip neigh show
ip neigh
ip neigh show dev v0
ip neigh show 192.0.2.9
ip neigh show nud permanent
ip -4 neigh
ip -j neigh
ip -j -p neigh show dev v0
ip neigh add 192.0.2.9 lladdr 02:00:00:00:00:99 dev v0 nud permanent
ip neigh replace 192.0.2.9 lladdr 02:00:00:00:00:99 dev v0 nud permanent
ip neigh change 192.0.2.8 lladdr 02:00:00:00:00:88 dev v0
ip neigh change 192.0.2.4 lladdr 02:00:00:00:00:44 dev v0
ip neigh show dev v0
ip neigh del 192.0.2.9 dev v0
ip neigh del 192.0.2.9 dev v0
ip neigh del 192.0.2.9
ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev nonexistent
ip neigh add 192.0.2.3 lladdr zz dev v0
ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev v0 nud bogus
ip neigh add 2001:db8::3 lladdr 02:00:00:00:00:03 dev v0 nud permanent
ip -6 neigh show dev v0
ip neigh show
ip neigh flush dev v0
ip neigh show
ip neigh flush all
ip neigh show
