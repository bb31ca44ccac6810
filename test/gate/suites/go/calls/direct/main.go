package main

func helper(x int) int { return x + 1 }

func twice(x int) int { return helper(helper(x)) }

func unused() { helper(0) }

func main() { twice(1) }
