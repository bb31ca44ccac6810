package main

func settle(x int) {}

func reject(x int) {}

func run(x int, h func(int)) {
	handler := h
	handler(x)
}

func main() {
	var h func(int)
	h = settle
	run(1, h)
}
