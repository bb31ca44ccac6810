def log(f):
    def wrapper(*args):
        return f(*args)
    return wrapper


@log
def pay(x):
    return x


pay(1)
