param location string = resourceGroup().location
param chatModelVersion string = '2024-08-06'

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: 'acme-support-aoai'
  location: location
  kind: 'OpenAI'
  sku: { name: 'S0' }
}

resource supportDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: 'support-gpt4o'
  sku: { name: 'GlobalStandard', capacity: 50 }
  properties: {
    model: {
      format: 'OpenAI'
      name: 'gpt-4o'
      version: chatModelVersion
    }
  }
}
