// The API's interactive documentation (Swagger UI from the app's own static files).
(function () {
  const element = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: false,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
