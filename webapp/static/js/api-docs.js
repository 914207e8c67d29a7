// Swagger UI of /api/v1 (webapp/blueprints/api.py): the document's address is on the page.
(function () {
  var holder = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec"),
    domNode: holder,
    deepLinking: true,
    persistAuthorization: false
  });
})();
