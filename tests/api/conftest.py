import pytest

from grannar.api.tokens import token_create


class ApiClient:
    """Django's test client sending a bearer token and JSON."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path, data=None):
        return self.client.get(f"/api/v1{path}", data, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path, data=None):
        return self.client.patch(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=self.headers
        )

    def put(self, path, data=None):
        return self.client.put(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=self.headers
        )

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)

    def request(self, method: str, path: str, data=None):
        if method == "get":
            return self.get(path, data)
        if method == "delete":
            return self.delete(path)
        return getattr(self, method)(path, data)


def secret_for(user, days: int = 30) -> str:
    return token_create(user=user, name="test", days=days, by=user)[1]


@pytest.fixture
def api_as(world, client):
    """`api_as("coordinator")`: an API client with a fresh token of that role's user
    (`api_as(None)` sends no token)."""

    def make(role: str | None) -> ApiClient:
        return ApiClient(client, secret_for(world["users"][role]) if role else None)

    return make
