// Starts Swagger UI on /api/v1/docs (the CSP allows no inline script, so it lives here).
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no calls to a third-party validator
    persistAuthorization: false,
  });
});
