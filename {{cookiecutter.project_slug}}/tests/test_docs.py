import re

from httpx import AsyncClient


async def test_docs_pages_load_their_assets_from_the_service(client: AsyncClient) -> None:
    """Swagger UI and ReDoc come with the service, so the pages work offline."""
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert any(asset.endswith(".js") for asset in assets), page
        for asset in assets:
            assert asset.startswith("/"), asset
            response = await client.get(asset)
            assert response.status_code == 200, asset
            assert response.content, asset
