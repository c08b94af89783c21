variable "chat_model_name" {
  type    = string
  default = "gpt-4o-mini"
}

resource "azurerm_cognitive_account" "aoai" {
  name                = "acme-aoai"
  kind                = "OpenAI"
  sku_name            = "S0"
  location            = "eastus"
  resource_group_name = "rg-acme"
}

# Deployment used by the batch summarizer (was gpt-35-turbo).
resource "azurerm_cognitive_deployment" "batch" {
  name                 = "batch-summarizer"
  cognitive_account_id = azurerm_cognitive_account.aoai.id
  model {
    format  = "OpenAI"
    name    = var.chat_model_name
    version = "2024-07-18"
  }
  sku {
    name = "Standard"
  }
}
