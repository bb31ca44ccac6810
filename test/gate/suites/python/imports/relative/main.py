from pkg.a import g

g()
