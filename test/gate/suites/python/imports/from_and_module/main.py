import pkg.rates
from pkg.rates import calc as c

c(1)
pkg.rates.calc(2)
