# Name templates: the kernel picks the lowest free index.
ip link add dum%d address 02:00:00:00:00:10 type dummy
ip link add dum%d address 02:00:00:00:00:11 type dummy
ip link add name x%dy address 02:00:00:00:00:12 type dummy
ip link del dum0
ip link add dum%d address 02:00:00:00:00:13 type dummy
ip link add dum%d%d type dummy
ip link show
ip -br link
