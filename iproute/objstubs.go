package iproute

// Handler of ip neigh; it arrives with package inet.
var doNeigh = notYet("neighbour")
