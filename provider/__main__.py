"""The ecr-share component provider plugin: hosts every component under the package name
``ecr-share`` (``components.provider``: the SDK's component provider, inputs checked first)."""

from components.provider import serve

if __name__ == "__main__":
    serve()
