package main

type Adder struct{}

func (a Adder) Clamp(x int) int { return x }

type Counter struct{ n int }

func (c *Counter) Inc() { c.n++ }

type Meter struct{}

func (m *Meter) Inc() {}

func main() {
	g := Adder.Clamp
	g(Adder{}, 1)
	h := (*Counter).Inc
	c := &Counter{}
	h(c)
}
