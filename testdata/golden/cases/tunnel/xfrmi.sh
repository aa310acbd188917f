# xfrm interfaces (if available): if_id, underlying dev, show, errors.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add x0 type xfrm dev d0 if_id 7
ip link show dev x0
ip -d link show x0
ip -j -d link show x0
ip -s link show dev x0
ip link add x1 type xfrm if_id 8
ip -d link show x1
ip link add x2 type xfrm dev d0 if_id 7
ip link add x2 type xfrm dev d0
ip link add x2 type xfrm dev d0 if_id 0
ip link add x2 type xfrm dev nonexistent if_id 9
ip link set x0 up
ip link show
ip link del x0
ip link show
