from services.registry.bootstrap import build

if __name__ == "__main__":
    build().run()
