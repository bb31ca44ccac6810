package main

func Fee(a int) int { return a / 100 }

func Tax(a int) int { return a / 10 }

func Unused(a int) int { return a }

func applyAll(xs []int, fn func(int) int) []int {
	out := []int{}
	for _, x := range xs {
		out = append(out, fn(x))
	}
	return out
}

func through(xs []int, fn func(int) int) []int { return applyAll(xs, fn) }

func main() {
	applyAll([]int{1}, Fee)
	through([]int{2}, Tax)
}
