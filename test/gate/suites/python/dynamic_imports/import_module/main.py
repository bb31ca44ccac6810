import importlib

mod = importlib.import_module("plugins.card")
mod.charge(1)
